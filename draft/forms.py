from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from draft import clock
from draft.models import ChatMessage, Draft, League, Membership
from draft.services.seasons import NextOrder
from draft.services.setup import CategorySpec

GENRES = [
    "Action", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary", "Drama",
    "Family", "Fantasy", "History", "Holiday", "Horror", "Music", "Musical", "Mystery", "Romance",
    "Sci-Fi", "Sport", "Thriller", "War", "Western",
]  # fmt: skip
GENRE_CHOICES = [(g, g) for g in GENRES]
TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(available_timezones())]


class LeagueForm(forms.ModelForm):
    class Meta:
        model = League
        fields = ["name", "description", "is_public"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"description": "Shown on the league page."}


# The league's trade settings, as the settings form shows them and update_league saves them.
TRADE_SETTINGS = League.TRADE_SETTINGS
TRADE_NUMBERS = [
    "trade_veto_percent", "trade_veto_hours", "trade_expiry_hours", "trade_min_clock_seconds",
]  # fmt: skip


class LeagueSettingsForm(LeagueForm):
    time_zone = forms.ChoiceField(
        choices=TIME_ZONE_CHOICES,
        help_text="Quiet hours of the pick clock follow this time zone.",
    )
    # Left empty (or out of the form), the number stays as it is.
    keepers_per_member = forms.IntegerField(
        label=League._meta.get_field("keepers_per_member").verbose_name.capitalize(),
        help_text=League._meta.get_field("keepers_per_member").help_text,
        min_value=0,
        max_value=10,
        required=False,
    )
    no_repeat_seasons = forms.IntegerField(
        label=League._meta.get_field("no_repeat_seasons").verbose_name.capitalize(),
        help_text=League._meta.get_field("no_repeat_seasons").help_text,
        min_value=0,
        max_value=50,
        required=False,
    )

    class Meta(LeagueForm.Meta):
        fields = [
            "name", "description", "is_public", "time_zone", "seat_new_members",
            "no_repeat_seasons", "keepers_per_member", "keepers_in_round_one", "readers_may_chat",
            *TRADE_SETTINGS,
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty (or out of the form), a number stays as it is.
        for name in (*TRADE_NUMBERS, "trade_review"):
            self.fields[name].required = False


class ChatForm(forms.Form):
    text = forms.CharField(
        label="Message",
        max_length=ChatMessage.MAX_LENGTH,
        error_messages={
            "required": "Write a message first.",
            "max_length": (
                "A chat message is at most %(limit_value)d characters "
                "(this one has %(show_value)d)."
            ),
        },
        widget=forms.TextInput(attrs={"class": "input", "autocomplete": "off"}),
    )


class SeatChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class DraftCreateForm(forms.Form):
    name = forms.CharField(max_length=80, help_text='For example "2021 Movie Draft".')
    order = forms.ChoiceField(choices=Draft.Order.choices, initial=Draft.Order.SNAKE)
    category_mode = forms.ChoiceField(
        choices=Draft.CategoryMode.choices, initial=Draft.CategoryMode.PER_ROUND
    )
    rounds = forms.IntegerField(
        min_value=1,
        max_value=30,
        required=False,
        help_text=(
            "Per-round mode: one category per round, so list as many categories as rounds (the "
            "same category may be listed for several rounds). Open slots: every member fills "
            "each category once, so there are as many rounds as categories. Leave it empty to "
            "have one round per category."
        ),
    )
    categories = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "One category per line. In per-round mode the first line is round 1, the second "
            "round 2, and so on. Descriptions and rules can be added on the next page."
        ),
    )
    seats = SeatChoiceField(
        queryset=Membership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Who gets a seat",
        help_text="In the order they joined the league; you can change the order on the next page.",
    )

    def __init__(self, *args, league: League, **kwargs):
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(league=league).order_by("joined_at", "pk")
        self.fields["seats"].queryset = members
        self.fields["seats"].initial = [m.pk for m in members]

    def clean_categories(self):
        names = [line.strip() for line in self.cleaned_data["categories"].splitlines()]
        names = [n for n in names if n]
        if not names:
            raise ValidationError("Add at least one category.")
        if len(names) > 30:
            raise ValidationError("A draft can have at most 30 categories.")
        too_long = [n for n in names if len(n) > 80]
        if too_long:
            raise ValidationError(f"Category names are at most 80 characters: {too_long[0][:40]}…")
        return names

    def clean(self):
        data = super().clean()
        rounds, names = data.get("rounds"), data.get("categories")
        if rounds is None or not names or rounds == len(names):
            return data
        listed = f"{len(names)} categor{'y' if len(names) == 1 else 'ies'}"
        if data.get("category_mode") == Draft.CategoryMode.OPEN_SLOTS:
            self.add_error(
                "rounds",
                f"In open-slot mode there is one round per category: {listed} make "
                f"{len(names)} round{'s' if len(names) != 1 else ''}. Change the rounds to "
                f"{len(names)} or leave them empty.",
            )
        else:
            self.add_error(
                "categories",
                f"{rounds} round{'s' if rounds != 1 else ''} need {rounds} "
                f"categor{'y' if rounds == 1 else 'ies'}, one a line; you listed {listed}. "
                "A category can be listed again for another round.",
            )
        return data

    def ordered_seats(self) -> list[Membership]:
        chosen = {m.pk for m in self.cleaned_data["seats"]}
        return [m for m in self.fields["seats"].queryset if m.pk in chosen]


class DraftSettingsForm(forms.Form):
    name = forms.CharField(max_length=80)
    order = forms.ChoiceField(choices=Draft.Order.choices)
    category_mode = forms.ChoiceField(choices=Draft.CategoryMode.choices)


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=80)
    description = forms.CharField(max_length=300, required=False)
    genres = forms.MultipleChoiceField(
        choices=GENRE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="A film qualifies with any one of the ticked genres. None ticked: any genre.",
    )
    year_min = forms.IntegerField(
        label="Released in or after", required=False, min_value=1888, max_value=2100
    )
    year_max = forms.IntegerField(
        label="Released in or before", required=False, min_value=1888, max_value=2100
    )
    max_runtime = forms.IntegerField(
        label="Longest runtime (minutes)", required=False, min_value=1, max_value=1000
    )

    def clean(self):
        data = super().clean()
        if data.get("year_min") and data.get("year_max") and data["year_min"] > data["year_max"]:
            raise ValidationError("The earliest year must not be after the latest.")
        return data

    def spec(self) -> CategorySpec:
        d = self.cleaned_data
        return CategorySpec(
            name=d["name"],
            description=d.get("description", ""),
            genres=tuple(d.get("genres") or ()),
            year_min=d.get("year_min"),
            year_max=d.get("year_max"),
            max_runtime=d.get("max_runtime"),
        )


PICK_TIME_UNITS = [
    ("seconds", "seconds"),
    ("minutes", "minutes"),
    ("hours", "hours"),
    ("days", "days"),
]
UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


class ClockForm(forms.Form):
    pick_time = forms.IntegerField(
        required=False, min_value=1, help_text="Leave empty for no clock."
    )
    pick_time_unit = forms.ChoiceField(choices=PICK_TIME_UNITS, initial="minutes", label="Unit")
    first_round_pick_time = forms.IntegerField(
        required=False, min_value=1, help_text="Optional: a longer time for round 1."
    )
    first_round_unit = forms.ChoiceField(choices=PICK_TIME_UNITS, initial="minutes", label="Unit")
    quiet_start = forms.TimeField(
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Optional quiet hours: the clock stops every day between these times.",
    )
    quiet_end = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    # Radio buttons: each choice is a sentence, which a select clipped on a phone.
    expiry_action = forms.ChoiceField(
        choices=Draft.Expiry.choices, label="When the time runs out", widget=forms.RadioSelect
    )

    @staticmethod
    def split_seconds(seconds: int | None) -> tuple[int | None, str]:
        if not seconds:
            return None, "minutes"
        for unit in ("days", "hours", "minutes"):
            if seconds % UNIT_SECONDS[unit] == 0:
                return seconds // UNIT_SECONDS[unit], unit
        return seconds, "seconds"

    def clean(self):
        data = super().clean()
        for field, unit in (
            ("pick_time", "pick_time_unit"),
            ("first_round_pick_time", "first_round_unit"),
        ):
            value = data.get(field)
            seconds = value * UNIT_SECONDS[data.get(unit, "minutes")] if value else None
            if seconds is not None and not (
                clock.MIN_PICK_SECONDS <= seconds <= clock.MAX_PICK_SECONDS
            ):
                self.add_error(field, "A pick time runs from 30 seconds to 14 days.")
            data[f"{field}_seconds"] = seconds
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise ValidationError("Quiet hours need both a start and an end.")
        return data


class MovieForm(forms.Form):
    title = forms.CharField(max_length=200)
    year = forms.IntegerField(min_value=1888, max_value=2100)
    directors = forms.CharField(
        max_length=300, required=False, help_text="Separate several directors with commas."
    )
    genres = forms.MultipleChoiceField(
        choices=GENRE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    runtime = forms.IntegerField(
        label="Runtime (minutes)", required=False, min_value=1, max_value=1000
    )
    confirmed_new = forms.BooleanField(
        required=False,
        label="Yes, this is a different film from the ones suggested",
        widget=forms.CheckboxInput,
    )


class PosterForm(forms.Form):
    poster = forms.ImageField(
        label="New poster",
        required=False,
        help_text="PNG, JPEG, GIF or WebP, 5 MB at most. It is cropped from its centre to a "
        "poster's shape (2 by 3).",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove = forms.BooleanField(label="Remove the uploaded poster", required=False)

    def clean(self):
        data = super().clean()
        if data.get("poster") and data.get("remove"):
            raise ValidationError("Upload a new poster or remove the one there, not both.")
        if not data.get("poster") and not data.get("remove") and not self.errors:
            self.add_error("poster", "Choose a picture to upload.")
        return data


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        from draft.models import NotificationSettings

        model = NotificationSettings
        fields = ["on_clock", "up_next", "trades"]


class NextSeasonForm(forms.Form):
    name = forms.CharField(
        label="Name of the next season",
        max_length=80,
        help_text='Its draft\'s name too, for example "2022 Movie Draft".',
    )
    order = forms.ChoiceField(
        label="Seat order",
        choices=NextOrder.CHOICES,
        initial=NextOrder.KEEP,
        widget=forms.RadioSelect,
        help_text="You can still change the order in the new draft's console before it starts.",
    )


class KeeperDeadlineForm(forms.Form):
    deadline = forms.DateTimeField(
        label="Keeper deadline",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text="In the league's time zone. Members choose their keepers until then; leave it "
        "empty to let them choose until the start.",
    )

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        this_year = timezone.now().year
        if deadline is not None and not this_year - 1 <= deadline.year <= this_year + 5:
            raise ValidationError("Choose a date within the next few years.")
        return deadline
