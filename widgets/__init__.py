"""The importable code behind the attachment course's lessons.

Each simulation lives in one module named for its topic (``secure_base``), with a pure
model (no UI imports) and a thin view; shared pieces are ``theme``, ``quiz`` and ``data``.
"""
