from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.notifications.services import notification_mark_read


@login_required
@require_POST
def notification_dismiss(request, pk: int):
    notification_mark_read(user=request.user, notification_id=pk)
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return redirect(target if safe and target else "home")
