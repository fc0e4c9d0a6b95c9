# The event log's index on `type` goes: every query that filters on type also names target_id
# or a time range (both indexed), and each index is paid for on every event ingest stores
# (docs/benchmarks.md, HTTP ingest). The index is dropped by name rather than by AlterField,
# which on SQLite rebuilds the whole event table to drop one index.

from django.db import migrations, models


def _drop_type_indexes(apps, schema_editor):
    Event = apps.get_model("engine", "Event")
    table = Event._meta.db_table
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        # db_index made one index on SQLite, two on PostgreSQL (the second for LIKE): both on type alone.
        if info["index"] and not info["unique"] and not info["primary_key"] and info["columns"] == ["type"]:
            schema_editor.execute(schema_editor._delete_index_sql(Event, name))


def _restore_type_index(apps, schema_editor):
    Event = apps.get_model("engine", "Event")  # as before this migration: type indexed
    indexed = Event._meta.get_field("type")
    unindexed = models.CharField(max_length=64)
    unindexed.set_attributes_from_name("type")
    unindexed.model = Event
    schema_editor.alter_field(Event, unindexed, indexed)


class Migration(migrations.Migration):

    dependencies = [
        ('engine', '0006_award_redundant_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='event',
                    name='type',
                    field=models.CharField(max_length=64),
                ),
            ],
            database_operations=[
                migrations.RunPython(_drop_type_indexes, _restore_type_index),
            ],
        ),
    ]
