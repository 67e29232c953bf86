from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.core.mail import EmailMultiAlternatives
from django.core.validators import MaxLengthValidator
from django.template import loader

from accounts.models import User


class UsernameLimit:
    """A username longer than any account's is refused as a form error before anyone tries to
    log in with it. Django's login form only tells the browser the limit (maxlength); the
    attempt then reached django-axes, whose record of it holds 255 characters: a 500 on
    PostgreSQL for any longer name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        longest = User._meta.get_field(User.USERNAME_FIELD).max_length
        field = self.fields["username"]
        field.max_length = longest
        field.validators.append(
            MaxLengthValidator(longest, message=f"No username is longer than {longest} characters.")
        )


class LoginForm(UsernameLimit, AuthenticationForm):
    pass


class AdminLoginForm(UsernameLimit, AdminAuthenticationForm):
    pass


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


class PasswordResetRequestForm(forms.Form):
    """The address someone wants a reset link for. Only its shape is checked: looking it up
    here would make the answer slower for a known address (services.request_password_reset)."""

    # Django's PasswordResetForm field, so the page is the same as before.
    email = PasswordResetForm.base_fields["email"]


class ResetMailForm(PasswordResetForm):
    """Django's reset form as the worker uses it (services.mail_password_resets): the same
    accounts (get_users), templates, token and link. One difference: a mail that cannot be
    written raises instead of being logged and dropped, so the request is tried again rather
    than lost."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mails_written = 0

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = loader.render_to_string(subject_template_name, context)
        # A header cannot hold a line break.
        subject = "".join(subject.splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            message.attach_alternative(
                loader.render_to_string(html_email_template_name, context), "text/html"
            )
        message.send()
        self.mails_written += 1
