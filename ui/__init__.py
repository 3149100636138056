"""The Gradio web chat of the research assistant (``copyright-assistant serve``)."""

from ui.app import build_app, serve

__all__ = ["build_app", "serve"]
