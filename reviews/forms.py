from django import forms
from django.core.validators import URLValidator

from reviews import markdown
from reviews.models import BloggerProfile, Comment, Writeup

web_url = URLValidator(schemes=["http", "https"])


WRITEUP_MAX = Writeup._meta.get_field("body").max_length
COMMENT_MAX = Comment._meta.get_field("body").max_length
BIO_MAX = BloggerProfile._meta.get_field("bio").max_length


def too_long(what: str, limit: int) -> str:
    """The message for text over its limit, checked before anything is rendered."""
    return f"{what} is too long: {limit:,} characters at most (this one has %(show_value)s)."


class WriteupForm(forms.Form):
    body = forms.CharField(
        label="Your writeup",
        max_length=WRITEUP_MAX,
        error_messages={"max_length": too_long("The writeup", WRITEUP_MAX)},
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text="Markdown: *italic*, **bold**, [a link](https://…), > a quote, blank lines "
        "between paragraphs. Scripts and raw HTML beyond simple formatting are removed.",
    )

    def clean_body(self) -> str:
        # The preview renders whatever passes here, without a try: a writeup with too much
        # formatting is refused now, with the message a save would give.
        body = self.cleaned_data["body"]
        markdown.check_formatting(body)
        return body


class CommentForm(forms.Form):
    """A reader's comment. `website_url` is the honeypot: hidden from people, filled by bots."""

    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX,
        error_messages={"max_length": too_long("The comment", COMMENT_MAX)},
        min_length=2,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    name = forms.CharField(label="Name", max_length=60, required=False)
    email = forms.EmailField(
        label="Email",
        max_length=254,
        required=False,
        help_text="Never shown. Lets the league recognise you.",
    )
    website = forms.URLField(
        label="Website (optional)",
        max_length=300,
        required=False,
        assume_scheme="https",
        validators=[web_url],
    )
    remember = forms.BooleanField(
        label="Remember my name and website in this browser",
        required=False,
        initial=True,
        help_text="Kept in a cookie for your next comment; never your email.",
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # The honeypot. Its label tells the rare person who sees it (no CSS) to leave it alone.
    nickname = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        if signed_in:
            for name in ("name", "email", "website", "remember"):
                del self.fields[name]
        else:
            self.fields["name"].required = True
            self.fields["email"].required = True

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("nickname"))


class ReaderSettingsForm(forms.Form):
    moderate_first_comments = forms.BooleanField(
        label="Hold first-time commenters for approval",
        required=False,
        help_text="A reader's first comment in this league waits until a commissioner or the "
        "writeup's author approves it; after that, readers who are signed in are trusted. "
        "Comments without an account always wait: an email address proves nothing.",
    )
    close_comments_after_days = forms.IntegerField(
        label="Close comments after (days)",
        required=False,
        min_value=1,
        max_value=3650,
        help_text="Counted from each writeup's publication. Leave empty to keep comments open.",
    )
    writeup_deadline = forms.DateTimeField(
        label="Writeup deadline",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="Picks still without a published writeup after this time are marked late on "
        "the recap. Times are in the site's time zone.",
    )
    voting_open = forms.BooleanField(
        label="Voting is open",
        required=False,
        help_text="Readers may vote for the best pick of each round and for who won the draft, "
        "and change their vote, until you close it.",
    )


class ProfileForm(forms.ModelForm):
    avatar_upload = forms.ImageField(
        label="Avatar",
        required=False,
        help_text="PNG, JPEG, GIF or WebP, 2 MB at most. It is cropped to a square. "
        "Without one, your initials are shown.",
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}
        ),
    )
    remove_avatar = forms.BooleanField(label="Remove my avatar", required=False)
    blog_url = forms.URLField(
        label="Blog address",
        max_length=300,
        required=False,
        assume_scheme="https",
        validators=[web_url],
        help_text="Starts with https:// or http://. Every pick page links to it.",
    )

    class Meta:
        model = BloggerProfile
        fields = ["display_name", "blog_name", "blog_url", "bio"]
        labels = {
            "display_name": "Display name",
            "blog_name": "Blog name",
            "bio": "Short bio",
        }
        help_texts = {
            "display_name": "How readers see you on your blogger page.",
            "bio": "A few sentences, 600 characters at most.",
        }
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        error_messages = {"bio": {"max_length": too_long("The bio", BIO_MAX)}}

    def clean_blog_url(self):
        value = self.cleaned_data["blog_url"].strip()
        if value:
            web_url(value)
        return value
