"""What lockstep's plot scripts share (plot_study, plot_sbc, plot_elbo, plot_npe_loss).

Each script is run as `python3 SCRIPT IN.csv OUT.svg` (by a lockstep command or by hand) and
finds this module next to itself, in scripts/ or in the installed share/lockstep/.
"""
import os
import sys


class PlotExit(ValueError):
    """A one-line message for stdout and the script's exit status."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def input_and_output(script):
    """(IN.csv, OUT.svg) from the command line; usage line and status 2 otherwise."""
    if len(sys.argv) != 3:
        raise PlotExit(2, "usage: %s IN.csv OUT.svg" % script)
    return sys.argv[1], sys.argv[2]


def pyplot():
    """matplotlib.pyplot on the Agg backend; status 3 with one line if matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotExit(3, "matplotlib is not installed (Debian: apt-get install python3-matplotlib)")
    return plt


def save_atomically(fig, out):
    """Writes the figure to a temporary file next to `out` and renames it, so that a failure
    leaves no partial plot. The format is out's extension (svg without one); an SVG carries no
    date, so the same input gives the same file."""
    ext = os.path.splitext(out)[1].lstrip(".") or "svg"
    tmp = "%s.tmp-%d.%s" % (out, os.getpid(), ext)
    try:
        fig.savefig(tmp, format=ext, metadata={"Date": None} if ext == "svg" else None)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_figure(script, figure, empty):
    """The main of a script `python3 SCRIPT IN.csv OUT.svg` whose figure(IN) returns the figure,
    or None when IN holds nothing to plot (then one line, IN + empty, and status 1)."""
    src, out = input_and_output(script)
    fig = figure(src)
    if fig is None:
        print(src + empty)
        return 1
    save_atomically(fig, out)
    return 0


def run(main):
    """sys.exit(main()), turning a PlotExit into its line and status."""
    try:
        status = main()
    except PlotExit as e:
        print(str(e))
        status = e.status
    sys.exit(status)
