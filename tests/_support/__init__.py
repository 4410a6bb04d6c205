"""What tests share: imported by test modules and conftest files alike.

conftest modules hold fixtures only; the classes, helpers and data they and the tests
use live here, so nothing imports a conftest module.
"""
