"""Outbox messages get a Message-ID when queued (messages already queued get one here) and threading headers."""

from email.utils import make_msgid, parseaddr

from django.db import migrations, models


def give_queued_messages_an_id(apps, schema_editor):
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    for message in OutboxMessage.objects.filter(message_id="").only("pk", "from_email").iterator():
        _local, at, domain = parseaddr(message.from_email)[1].rpartition("@")
        OutboxMessage.objects.filter(pk=message.pk).update(message_id=make_msgid(domain=(at and domain) or "localhost"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_numbersequence"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="message_id",
            field=models.CharField(default="", max_length=255, verbose_name="Message-ID"),
            preserve_default=False,
        ),
        migrations.RunPython(give_queued_messages_an_id, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="outboxmessage",
            name="message_id",
            field=models.CharField(max_length=255, unique=True, verbose_name="Message-ID"),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="in_reply_to",
            field=models.CharField(blank=True, max_length=998, verbose_name="In-Reply-To"),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="references",
            field=models.TextField(blank=True, help_text="Message-IDs, oldest first.", verbose_name="References"),
        ),
    ]
