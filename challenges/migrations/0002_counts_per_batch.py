import json

from django.db import migrations, models


def pack(apps, schema_editor):
    """The per-event rows of each challenge become one packed row."""
    Old, New = apps.get_model("challenges", "OldChallengeCount"), apps.get_model("challenges", "ChallengeCount")
    by_challenge: dict[str, list[list]] = {}
    for c in Old.objects.order_by("event_id", "id").iterator(chunk_size=5000):
        by_challenge.setdefault(c.challenge_id, []).append(
            [c.event_id, c.participant, c.person_id, c.amount, 1 if c.taken_back else 0])
    for challenge_id, entries in by_challenge.items():
        New.objects.create(challenge_id=challenge_id, first_seq=entries[0][0], last_seq=entries[-1][0],
                           counts=json.dumps(entries, separators=(",", ":")))


class Migration(migrations.Migration):

    dependencies = [
        ("challenges", "0001_initial"),
    ]

    operations = [
        migrations.RenameModel("ChallengeCount", "OldChallengeCount"),
        migrations.CreateModel(
            name="ChallengeCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("challenge_id", models.CharField(max_length=64)),
                ("first_seq", models.BigIntegerField()),
                ("last_seq", models.BigIntegerField(db_index=True)),
                ("counts", models.TextField()),
            ],
        ),
        migrations.RunPython(pack, migrations.RunPython.noop),
        migrations.DeleteModel("OldChallengeCount"),
    ]
