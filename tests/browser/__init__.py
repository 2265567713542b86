"""Browser tests: a package, so that the browser lives as long as these tests (package
scope) and not as long as the whole run."""
