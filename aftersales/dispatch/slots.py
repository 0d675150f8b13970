"""Where the apps above dispatch add to it (see ``core.slots``); they fill these in ``AppConfig.ready()``."""

from aftersales.core.slots import Slot

SUGGESTIONS = Slot(
    "dispatch.suggestions",
    "fn(request, sr, suggestions) -> an HTML section under the ranked technicians (say, the parts the job likely "
    "needs and who carries them); it may append HTML lines to each suggestion's ``extras``. A fixed number of "
    "queries, whatever the number of suggestions.",
)

TECHNICIAN_BLOCKS = Slot(
    "dispatch.technician.blocks",
    "fn(technician_ids, skills, *, day) -> {(technician id, service type, category id or None): reason}: the "
    "technicians who must not be offered or given jobs of a skill on ``day`` (say, their certification for it has "
    "lapsed), with the reason in the active language. ``skills``: (service type, category id or None) pairs. A "
    "fixed number of queries, whatever the number of technicians and skills. Nothing registered: nobody is blocked.",
)
TECHNICIAN_SIDE = Slot(
    "dispatch.technician.side",
    "fn(request, technician) -> HTML cards beside the technician's profile (say, his training record)",
)
