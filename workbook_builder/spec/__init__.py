"""Templates: the single source of truth. YAML → frozen, linted `TemplateSpec`."""

from .errors import Problem, TemplateError
from .load import load_template, load_template_text
from .model import Block, Computed, Field, HeaderNode, InputSpec, Rule, Sheet, TemplateSpec, Text

__all__ = [
    "Block", "Computed", "Field", "HeaderNode", "InputSpec", "Problem", "Rule", "Sheet",
    "TemplateError", "TemplateSpec", "Text", "load_template", "load_template_text",
]
