"""`policytrail report`: one self-contained HTML page of plots of a corpus."""
