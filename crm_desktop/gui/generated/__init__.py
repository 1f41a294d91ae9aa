"""Modules generated from ui/*.ui by scripts/compile_ui.py. Do not edit."""
