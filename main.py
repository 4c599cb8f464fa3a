"""ConvCanvas entry point: parse the command line, then run the window or a headless command."""

from __future__ import annotations

import argparse
import os
import sys

# TensorFlow's C++ start-up chatter hides the messages that matter to a user.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

TASK_HELP = "shapes, digits, or a task you created in the window"


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser for `python main.py [gui|train|import|predict] ...`."""
    parser = argparse.ArgumentParser(
        prog="python main.py",
        description="ConvCanvas: draw shapes or digits and watch a convolutional network recognise them.\n"
        "With no command, opens the window.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data-dir", metavar="DIR", help="where drawings and models live "
                        "(default: the per-user application data folder; also $CONVCANVAS_DATA_DIR)")
    parser.add_argument("--mnist", metavar="PATH", help="an mnist.npz to train Digits on instead of "
                        "downloading it (also $CONVCANVAS_MNIST)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="open the window (the default)")
    _add_gui_options(gui)
    _add_gui_options(parser, hidden=True)

    train = commands.add_parser("train", help="train a task's model without opening the window")
    train.add_argument("--task", required=True, help=TASK_HELP)
    train.add_argument("--recipe", choices=("quick", "best"),
                       help="quick (the default): one CNN in a few minutes; best: an ensemble of three for top "
                       "accuracy. With --resume, the unfinished training's own recipe")
    train.add_argument("--epochs", type=int, metavar="N", help="number of epochs (default: the recipe's)")
    train.add_argument("--out", metavar="MODEL.keras", help="save the model here instead of the data folder")
    train.add_argument("--resume", action="store_true", help="continue the unfinished training from its last "
                       "finished epoch, if there is one")
    train.add_argument("--steps-per-epoch", type=int, metavar="N", help="end each epoch after N batches "
                       "(a quick try of a large data set; default: the whole set)")
    train.add_argument("--mnist", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    importing = commands.add_parser("import", help="import whole Quick, Draw! .npy or .ndjson files into a task's "
                                    "data, streamed from disk when it trains (shapes and digits: files of their "
                                    "labels, a sample of them beside the built-in data)")
    importing.add_argument("--task", required=True, help=TASK_HELP)
    importing.add_argument("--per-label", type=int, metavar="N", help="at most N drawings per label (default: all)")
    importing.add_argument("files", nargs="+", metavar="FILE", help="Quick, Draw! files (cat.npy, cat.ndjson, ...)")

    predict = commands.add_parser("predict", help="classify image files; prints one JSON object per line")
    predict.add_argument("--task", required=True, help=TASK_HELP)
    predict.add_argument("--model", metavar="MODEL.keras", help="use this model instead of the task's trained one")
    predict.add_argument("--mnist", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    predict.add_argument("images", nargs="+", metavar="IMAGE", help="PNG or JPEG drawings, any size")
    return parser


def _add_gui_options(parser: argparse.ArgumentParser, hidden: bool = False) -> None:
    def help_text(text: str) -> str:
        return argparse.SUPPRESS if hidden else text

    parser.add_argument("--task", dest="gui_task", metavar="TASK", default=None,
                        help=help_text("task to open with (default: the last one used)"))
    parser.add_argument("--screenshot", metavar="PATH", default=None,
                        help=help_text("draw a sample, save a PNG of the window to PATH and quit"))
    parser.add_argument("--draw", metavar="SHAPE", default=None,
                        help=help_text("what --screenshot draws: circle, square, triangle, a digit, or nothing "
                                      "(the window before the first stroke)"))


def main(argv: list[str] | None = None) -> int:
    """Runs ConvCanvas and returns the process exit code."""
    args = build_parser().parse_args(argv)
    if args.data_dir:
        os.environ["CONVCANVAS_DATA_DIR"] = os.path.abspath(os.path.expanduser(args.data_dir))
    if args.mnist:
        os.environ["CONVCANVAS_MNIST"] = os.path.abspath(os.path.expanduser(args.mnist))
    if args.command in (None, "gui"):
        from gui.app import run_app

        return run_app(args)
    from model import cli

    return cli.run(args)


if __name__ == "__main__":
    sys.exit(main())
