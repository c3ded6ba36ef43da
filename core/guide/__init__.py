"""The "Fine-tune or RAG?" decision guide and the concept figures, without any UI.

- answers: the questionnaire's fields, validated (parse_answers, parse_answers_text)
- rules: the rule table (RULES), as data
- comparison: the practical comparison filled with core.costs' numbers (Volumes, compute)
- recommend: rules -> recommendation (recommend)
- contestants: what the evaluation page preselects
- concepts, lora_params: the concepts page's live numbers
"""
from core.guide.answers import CHANGES, GOALS, Answers, parse_answers, parse_answers_text
from core.guide.comparison import SETUPS, Figures, Volumes, compute
from core.guide.recommend import OPTIONS, Recommendation, recommend
from core.guide.rules import RULE_IDS, RULES, THRESHOLD, Rule

__all__ = ["CHANGES", "GOALS", "OPTIONS", "RULES", "RULE_IDS", "SETUPS", "THRESHOLD", "Answers", "Figures",
           "Recommendation", "Rule", "Volumes", "compute", "parse_answers", "parse_answers_text", "recommend"]
