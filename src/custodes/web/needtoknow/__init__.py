"""Need-to-know: who may see a record about a member of staff, decided in one place.

The rule (`rule`), the org charts it is applied in (`charts`: custodes' own, and each imported
force's, `models.ForceStaff`), and the database's side of it (`rls`: whether row-level security
binds the connection, and the reads and writes it would refuse as Django makes them). Every app
asks it; it imports no app (custodes' own chart is read through `get_user_model()`).
"""
