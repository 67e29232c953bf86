"""Seasons: every draft becomes the draft of a season of its own, numbered in each league by
when the drafts were created (the oldest is season 1). Drafts keep their names and addresses.
A league may keep films drafted in its last seasons out of its next drafts."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


def seasons_for_drafts(apps, schema_editor):
    Draft = apps.get_model("draft", "Draft")
    Season = apps.get_model("draft", "Season")
    number_in_league: dict[int, int] = {}
    for draft in Draft.objects.order_by("league_id", "created_at", "pk").iterator():
        number = number_in_league.get(draft.league_id, 0) + 1
        number_in_league[draft.league_id] = number
        season = Season.objects.create(league_id=draft.league_id, number=number)
        Draft.objects.filter(pk=draft.pk).update(season=season)


class Migration(migrations.Migration):
    dependencies = [("draft", "0010_movie_poster")]

    operations = [
        migrations.CreateModel(
            name="Season",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("number", models.PositiveSmallIntegerField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "league",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="seasons",
                        to="draft.league",
                    ),
                ),
            ],
            options={
                "ordering": ["league", "-number"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("league", "number"), name="draft_season_number_per_league"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="league",
            name="no_repeat_seasons",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="A film drafted in this league in its last N seasons cannot be drafted "
                "(a commissioner's ruling can still allow it). 0: no such rule.",
                validators=[django.core.validators.MaxValueValidator(50)],
                verbose_name="seasons before a film may be drafted again",
            ),
        ),
        migrations.AddField(
            model_name="draft",
            name="season",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="draft",
                to="draft.season",
            ),
        ),
        migrations.RunPython(seasons_for_drafts, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="draft",
            name="season",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="draft",
                to="draft.season",
            ),
        ),
    ]
