"""Certificates: prove a point a (bad) local minimum, a saddle, or not critical — or say why not.

The exports are declared once, in ``__init__.pyi``, and load on first use, so that importing one
module (or running ``badminima --help``) does not pay for torch, sympy and flint.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
