from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "aftersales.training"
    label = "training"
    verbose_name = _("Training and drills")

    def ready(self):
        from aftersales.core.slots import panel
        from aftersales.dispatch.slots import SUGGESTIONS, TECHNICIAN_BLOCKS, TECHNICIAN_SIDE

        from .panels import suggestions_blocked
        from .selectors import dispatch_blocks, person_card_context

        # A lapsed certification keeps its skill's jobs from the technician (suggestions, the pool,
        # assignment, rebalancing); the technician's page shows his training record.
        TECHNICIAN_BLOCKS.add(dispatch_blocks)
        TECHNICIAN_SIDE.add(panel("training/_person_card.html", person_card_context), order=50)
        SUGGESTIONS.add(suggestions_blocked, order=80)
