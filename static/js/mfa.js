// WebAuthn enrolment and sign-in (issue #22): the server's options (py_webauthn JSON) in, the credential JSON out.
(function () {
  "use strict";
  function b64urlToBuf(value) {
    var b64 = value.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes.buffer;
  }
  function bufToB64url(buffer) {
    var bytes = new Uint8Array(buffer), raw = "";
    for (var i = 0; i < bytes.length; i++) { raw += String.fromCharCode(bytes[i]); }
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return match ? decodeURIComponent(match[1]) : (input ? input.value : "");
  }
  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(body || {})})
      .then(function (response) { return response.json(); });
  }
  function fail(message) {
    var box = document.getElementById("webauthn-error");
    if (box) { box.textContent = message; }
  }
  function finish(result) {
    if (result.error) { fail(result.error); return; }
    window.location.assign(result.redirect);
  }
  var register = document.getElementById("webauthn-register");
  if (register) {
    register.addEventListener("click", function () {
      fail("");
      post(register.dataset.options).then(function (options) {
        options.challenge = b64urlToBuf(options.challenge);
        options.user.id = b64urlToBuf(options.user.id);
        (options.excludeCredentials || []).forEach(function (c) { c.id = b64urlToBuf(c.id); });
        return navigator.credentials.create({publicKey: options});
      }).then(function (credential) {
        var name = document.getElementById("webauthn-name");
        return post(register.dataset.submit, {name: name ? name.value : "", credential: {
          id: credential.id, rawId: bufToB64url(credential.rawId), type: credential.type,
          response: {clientDataJSON: bufToB64url(credential.response.clientDataJSON),
                     attestationObject: bufToB64url(credential.response.attestationObject),
                     transports: credential.response.getTransports ? credential.response.getTransports() : []},
          clientExtensionResults: credential.getClientExtensionResults()}});
      }).then(finish).catch(function (error) { fail("The security key did not respond: " + error.message); });
    });
  }
  var verify = document.getElementById("webauthn-verify");
  if (verify) {
    verify.addEventListener("click", function () {
      fail("");
      post(verify.dataset.options).then(function (options) {
        options.challenge = b64urlToBuf(options.challenge);
        (options.allowCredentials || []).forEach(function (c) { c.id = b64urlToBuf(c.id); });
        return navigator.credentials.get({publicKey: options});
      }).then(function (credential) {
        return post(verify.dataset.submit, {credential: {
          id: credential.id, rawId: bufToB64url(credential.rawId), type: credential.type,
          response: {clientDataJSON: bufToB64url(credential.response.clientDataJSON),
                     authenticatorData: bufToB64url(credential.response.authenticatorData),
                     signature: bufToB64url(credential.response.signature),
                     userHandle: credential.response.userHandle ? bufToB64url(credential.response.userHandle) : null},
          clientExtensionResults: credential.getClientExtensionResults()}});
      }).then(finish).catch(function (error) { fail("The security key did not respond: " + error.message); });
    });
  }
}());
