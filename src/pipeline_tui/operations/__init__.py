"""Everything a person can do to a pipeline, each as one function.

The command line and the board are thin callers of these: each takes the store and the
inputs (and `today` where a date must be after it), changes the pipeline in one transaction,
records in the same transaction how to undo it (the change journal), and returns a `Done`
with a one-line message and every deal it changed, before and after.

Deal operations take a list of deals (`DealRef`): a `Deal` as the user saw it (refused with
a ConflictError saying what changed, if it changed elsewhere since), or a deal's id.

- `deals`: add, edit, move, win (with an optional won reason), lose, reopen, note, snooze,
  close out, archive;
- `shape`: stages, loss reasons and won reasons;
- `imports`: carrying out an import plan;
- `preferences`: the config file's settings;
- `review`: the daily review's marks (the deals it has seen today);
- `undo`: taking back the latest change, by the undo registered for its kind.
"""

from pipeline_tui.operations.common import (
    DealChange,
    DealRef,
    Done,
    changes_between,
    current_deals,
    deal_name,
    loss_label,
)
from pipeline_tui.operations.deals import (
    add,
    archive,
    check_revisit,
    close_out,
    edit,
    fill_loss,
    fill_win,
    lose,
    move,
    note,
    reopen,
    set_next_step,
    snooze,
    step,
    unarchive,
    win,
    won_label,
)
from pipeline_tui.operations.imports import import_plan
from pipeline_tui.operations.preferences import set_preference
from pipeline_tui.operations.review import mark_seen, unmark_seen
from pipeline_tui.operations.shape import (
    add_reason,
    add_stage,
    add_won_reason,
    move_reason,
    move_stage,
    move_won_reason,
    update_reason,
    update_stage,
    update_won_reason,
)
from pipeline_tui.operations.undo import undo

__all__ = [
    "DealChange",
    "DealRef",
    "Done",
    "add",
    "add_reason",
    "add_stage",
    "add_won_reason",
    "archive",
    "changes_between",
    "check_revisit",
    "close_out",
    "current_deals",
    "deal_name",
    "edit",
    "fill_loss",
    "fill_win",
    "import_plan",
    "lose",
    "loss_label",
    "mark_seen",
    "move",
    "move_reason",
    "move_stage",
    "move_won_reason",
    "note",
    "reopen",
    "set_next_step",
    "set_preference",
    "snooze",
    "step",
    "unarchive",
    "undo",
    "unmark_seen",
    "update_reason",
    "update_stage",
    "update_won_reason",
    "win",
    "won_label",
]
