"""A member's mail settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request):
    from draft.forms import NotificationSettingsForm
    from draft.models import NotificationSettings

    current = NotificationSettings.objects.filter(user=request.user).first()
    current = current or NotificationSettings(user=request.user)
    form = NotificationSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Mail settings saved.")
        return redirect("draft:notifications")
    return render(request, "draft/notifications.html", {"form": form})
