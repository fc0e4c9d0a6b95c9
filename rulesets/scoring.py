"""The rules step of a scoring batch: every event evaluated by rules.core against the facts, in order
(batch.outcomes), and the expressions that failed on them reported."""

from __future__ import annotations

import logging

from base.batch import Step
from rules.core import evaluate

from . import failures as expression_failures

log = logging.getLogger(__name__)


class RulesStep(Step):
    def prepare(self) -> None:
        b = self.batch
        ruleset, facts = b.ruleset, b.facts
        before = dict(ruleset.failures.counts)
        if b.observers:
            observers, outcomes = tuple(b.observers), []
            for e in b.events:
                outcome = evaluate(ruleset, e.to_core(), facts)
                for observe in observers:
                    observe(outcome.event, outcome, facts)
                outcomes.append(outcome)
            b.outcomes = outcomes
        else:
            b.outcomes = [evaluate(ruleset, e.to_core(), facts) for e in b.events]
        self._report_failures(before)

    def _report_failures(self, before: dict[str, int]) -> None:
        """Log this batch's failed expressions and add them to the counts admins see (GET /ruleset)."""
        b = self.batch
        counts, last_error = b.ruleset.failures.counts, b.ruleset.failures.last_error
        new = {owner: count - before.get(owner, 0) for owner, count in counts.items() if count > before.get(owner, 0)}
        for owner, count in new.items():
            log.warning("expression of %s did not hold on %s event(s) because it failed; last: %s",
                        owner, count, last_error.get(owner))
        expression_failures.record(b.r, b.version, new, last_error)
