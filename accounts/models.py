from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A person with an account: a member of one or more leagues, and a blogger."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username
