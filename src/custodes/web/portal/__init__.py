"""The reporting portal's core: its models, per-report envelope encryption, receipts, actions.

The portal's pages and the staff side's handling (`custodes.web.reports`) stand on this app;
every write goes through `actions.py`.
"""
