from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User


class SignUpForm(UserCreationForm):
    # One field for the whole name: not every name splits into a first and a last. It is kept
    # as the user's first name, so get_full_name() (and a league's board name) is exactly it.
    name = forms.CharField(
        label="Your name",
        max_length=60,
        required=False,
        help_text="How your league sees you on the board, e.g. Strange Dylan. "
        "Leave it empty to use your username.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        help_text="For password resets and your turn on the clock. Never shown to anyone.",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "name", "email")

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "An account with this email already exists. Log in instead."
            )
        return email

    def save(self, commit=True):
        user = super().save(commit=False)
        user.first_name = self.cleaned_data["name"]
        user.last_name = ""
        if commit:
            user.save()
        return user
