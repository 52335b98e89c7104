"""Exporting corpora: versions selected from `policy_versions`, written in other tools' shapes."""
