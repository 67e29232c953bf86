"""Open event streams follow who their viewer is signed in as (draft/stream.py).

A log-out ends a session; a new password signs every other session out; an account made
inactive signs them all out. These happen in Django's own views and in the operator's admin as
well as in ours, so the hub is told from the two places every such path passes: a session row
deleted (after the delete, so the streams' re-check finds it gone) and a user saved."""

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from draft import bus

# What a save writes when it changes nothing a session depends on (a log-in's last_login).
HARMLESS_FIELDS = {"last_login"}


@receiver(post_delete, sender=Session)
def session_ended(sender, instance, **kwargs):
    user_id = instance.get_decoded().get(SESSION_KEY)
    if user_id is not None:
        bus.sessions_changed(user_id=get_user_model()._meta.pk.to_python(user_id))


@receiver(post_save, sender=get_user_model())
def user_saved(sender, instance, created, update_fields=None, **kwargs):
    if created or (update_fields is not None and set(update_fields) <= HARMLESS_FIELDS):
        return
    bus.sessions_changed(user_id=instance.pk)
