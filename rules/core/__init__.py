"""The pure rules core: YAML text -> compiled Ruleset; evaluate(ruleset, event, facts) -> Outcome.

Imports nothing of Django, Redis or RQ, so it runs the same in the scorer, in simulations
and in tests.
"""

from .compiled import CompiledBadge, CompiledRule, CompiledStreak, Ruleset, load_ruleset
from .evaluate import evaluate, recipients
from .facts import EmptySource, FactsCache, FactsSource
from .loading import Issue, RulesetError
from .model import AwardOutcome, BadgeOutcome, Event, LevelOutcome, Outcome, PastAward, StreakRun
from .periods import PERIODS, period_bounds, period_key

__all__ = [
    "AwardOutcome", "BadgeOutcome", "CompiledBadge", "CompiledRule", "CompiledStreak", "EmptySource", "Event", "FactsCache",
    "FactsSource", "Issue", "LevelOutcome", "Outcome", "PERIODS", "PastAward", "Ruleset", "RulesetError", "StreakRun",
    "evaluate", "load_ruleset", "period_bounds", "period_key", "recipients",
]
