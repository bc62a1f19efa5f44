"""Sign-in through the agency's OpenID Connect identity provider (issue #22): mozilla-django-oidc does the protocol;
this package maps the provider's groups to portal roles (deny by default), creates, updates and deactivates the
accounts it vouches for, records the provider's ``amr``/``acr`` evidence of MFA and can require it, and ends a session
as soon as the provider stops vouching for the person (the periodic userinfo check in ``session``).
"""
