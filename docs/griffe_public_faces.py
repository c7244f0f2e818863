"""A Griffe extension for the API reference (used by mkdocs.yml).

1. This project's public modules are thin faces that import their contents from private packages
   (``cntk/_layers``, ``cntk/_ops``, ...). Griffe treats imported names as private unless ``__all__`` lists
   them; here every public name a public face imports from inside the package is documented where users
   import it from.
2. Docstrings carry bare ``>>>`` examples (doctests, run by tests/test_doctests.py); Markdown would read
   them as paragraphs (and ``[1, 2]`` in an expected output as a link), so each run of them is fenced as a
   ``pycon`` code block.
"""
from __future__ import annotations

from typing import Any

import griffe


def _is_public_face(module: griffe.Module) -> bool:
    return not any(part.startswith('_') for part in module.path.split('.'))


class PublicFaces(griffe.Extension):
    """Marks the imported, non-underscore members of public ``cntk`` modules as public."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Walk the loaded package once and mark the re-exported names."""
        if pkg.name != 'cntk':
            return
        self._mark(pkg)
        _fence_all(pkg)

    def _mark(self, module: griffe.Module) -> None:
        if not _is_public_face(module):
            return
        for name, member in module.members.items():
            if member.is_alias:
                target = member.target_path
                if (not module.exports and not name.startswith('_') and target.startswith('cntk.')
                        and not _points_to_module(member)):
                    member.public = True
            elif member.is_module:
                self._mark(member)


def _points_to_module(alias: griffe.Alias) -> bool:
    try:
        return alias.final_target.is_module
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return True


def _fence_all(obj: griffe.Object) -> None:
    """Fence the doctests in the docstrings of ``obj`` and everything defined inside it."""
    if obj.docstring is not None:
        obj.docstring.value = fence_doctests(obj.docstring.value)
    for member in obj.members.values():
        if not member.is_alias:
            _fence_all(member)


def fence_doctests(text: str) -> str:
    """``text`` with each run of bare ``>>>`` lines (and the output lines after them, up to a blank line)
    inside a fenced ``pycon`` block; examples already fenced or indented as code are left alone."""
    out: list = []
    in_fence = False
    in_example = False
    example_indent = 0
    for line in text.split('\n'):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if in_example and not stripped:
            out.append(' ' * example_indent + '```')
            in_example = False
        if stripped.startswith('```'):
            in_fence = not in_fence
        elif not in_fence and not in_example and stripped.startswith('>>>') and indent < 4:
            example_indent = indent
            if out and out[-1].strip():
                out.append('')
            out.append(' ' * indent + '```pycon')
            in_example = True
        out.append(line)
    if in_example:
        out.append(' ' * example_indent + '```')
    return '\n'.join(out)
