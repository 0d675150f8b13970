"""Fail when the zh-hans catalog is out of date, untranslated or fuzzy.

Runs makemessages (needs GNU gettext), compares, then puts the file back as it was, so
the check never edits the tree. Fix with:
    .venv/bin/python manage.py makemessages -l zh_Hans --no-location --no-obsolete
and translate what is new.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

LOCALE = "zh_Hans"


class Command(BaseCommand):
    help = "Check that the zh-hans catalog covers every source string, with no fuzzy entries."

    def handle(self, *args, **options):
        po_path = Path(settings.LOCALE_PATHS[0]) / LOCALE / "LC_MESSAGES" / "django.po"
        original = po_path.read_bytes() if po_path.exists() else None
        before = {(e.msgctxt, e.msgid) for e in polib.pofile(str(po_path))} if original else set()
        try:
            call_command(
                "makemessages",
                locale=[LOCALE],
                no_location=True,
                no_obsolete=True,
                verbosity=0,
                ignore_patterns=[".venv/*", "node_modules/*", "staticfiles/*", "bench/*", "var/*"],
            )
            catalog = polib.pofile(str(po_path))
        finally:
            if original is not None:
                po_path.write_bytes(original)
        after = {(e.msgctxt, e.msgid) for e in catalog}
        problems = []
        new = sorted(m for _, m in after - before)
        if new:
            problems.append(f"{len(new)} source string(s) missing from the catalog, e.g. {new[:5]}")
        untranslated = [e.msgid for e in catalog.untranslated_entries() if (e.msgctxt, e.msgid) in before]
        if untranslated:
            problems.append(f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}")
        fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
        if fuzzy:
            problems.append(f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}")
        if problems:
            raise CommandError("zh-hans catalog: " + "; ".join(problems) + "\n" + (__doc__ or ""))
        self.stdout.write(f"zh-hans catalog complete: {len(after)} entries")
