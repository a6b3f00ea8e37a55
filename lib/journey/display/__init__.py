"""The presentation layer: how results, numbers and figures reach a reader.

``results`` (the rendering mixin every result shares), ``plots`` (one theme, figures returned
with their alt text), ``report`` (executive summary, quotes, data-window blocks) and ``text``
(the wording of numbers in sentences: percentages, changes, lists).
"""
