"""The source documents the schemas and checks cite (data, not code): the two fact sheets and the seed
documents under ``seeds/``. :mod:`lti_harness.harness.sources` finds the ones a citation names."""
