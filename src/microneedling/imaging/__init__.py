"""Photo analysis (the `imaging` extra): face zones, per-zone skin measures and aligned
before/after comparison.

    from microneedling.imaging.analysis import analyze_photo
    from microneedling.imaging.compare import compare_photos

Nothing heavy is imported here, so importing the package costs nothing until a module is used.
Formulas, references and validation: docs/imaging.md.
"""
