"""The one rule for "done" that the agent's graph and every evaluation loop share."""

from agent.completion import AGENT_RULE, CompletionRule


def test_two_verdicts_in_a_row_or_one_when_the_executor_has_finished():
    streak = 0
    decisions = []
    for score in (0.9, 0.1, 0.8, 0.7):
        streak = AGENT_RULE.update(streak, score)
        decisions.append(AGENT_RULE.done(streak, score))
    assert decisions == [False, False, False, True]
    assert AGENT_RULE.done(1, 0.6, finished=True) and not AGENT_RULE.done(5, 0.4, finished=True)


def test_a_rule_without_confirmations_never_ends_a_subtask_on_the_judge_alone():
    never = CompletionRule(confirmations=None)
    assert not never.done(100, 0.99) and never.done(1, 0.99, finished=True)
