# The package's exports, declared once: type checkers read this file, and lazy_loader turns it into
# the package's __getattr__, __dir__ and __all__ (nothing is imported until first use).

from . import (
    arithmetic as arithmetic,
    claims as claims,
    constructions as constructions,
    errors as errors,
    landscape as landscape,
    model as model,
    search as search,
    verify as verify,
)
from .arithmetic import (
    Arithmetic as Arithmetic,
    BallArithmetic as BallArithmetic,
    ExactArithmetic as ExactArithmetic,
    FloatArithmetic as FloatArithmetic,
    backend as backend,
)
from .errors import (
    BackendError as BackendError,
    BadminimaError as BadminimaError,
    CatalogueError as CatalogueError,
    ClaimError as ClaimError,
    ConstructionError as ConstructionError,
    ExecutorError as ExecutorError,
    FigureError as FigureError,
    InvalidModelError as InvalidModelError,
    ResumeError as ResumeError,
    SettingsError as SettingsError,
    TrapFileError as TrapFileError,
    UndecidableSignError as UndecidableSignError,
)
from .landscape import (
    Evaluation as Evaluation,
    PatternSummary as PatternSummary,
    Region as Region,
    evaluate as evaluate,
    gradient as gradient,
    hessian as hessian,
    loss as loss,
    pattern_summary as pattern_summary,
    region_of as region_of,
)
from .model import (
    Dataset as Dataset,
    Layer as Layer,
    Network as Network,
    Point as Point,
    Trap as Trap,
    dumps_trap as dumps_trap,
    load_trap as load_trap,
    loads_trap as loads_trap,
    save_trap as save_trap,
)
from .search import (
    Catalogue as Catalogue,
    SearchSettings as SearchSettings,
    multistart as multistart,
    run_search as run_search,
    shrink as shrink,
    survey as survey,
)
from .verify import (
    Certificate as Certificate,
    CertifyOptions as CertifyOptions,
    Diagnostics as Diagnostics,
    Verdict as Verdict,
    certify as certify,
)

__version__: str
