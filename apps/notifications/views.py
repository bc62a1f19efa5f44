from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.notifications.models import Notification
from apps.notifications.services import notification_mark_read


@login_required
@require_POST
def notification_dismiss(request, pk: int):
    try:
        notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("No such alert.") from None
    target = request.POST.get("next", "")
    # Only a path of this site: a bare word is no address, and redirect() would try it as a view name (a 500).
    safe = target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return redirect(target if safe and target else "home")
