"""The chat arena's logic, with no UI: who sits in which seat and what a vote means (battle), which
questions to ask (questions), and how the arena's form becomes one ChatSettings per column
(settings). components/arena_app.py only arranges these on screen."""
