"""The local (rule-based) planner; see planner.py."""

from agent.planners.local.planner import LocalPlanner

__all__ = ["LocalPlanner"]
