"""Benchmark corpora: realistic documents made by varying real templates, with their faults labelled.

A benchmark is only as honest as its corpus: documents that are copies of one
file would measure a cache, and documents invented from scratch would measure
a parser on text no source ever writes. `pipeline.bench.generate` therefore
starts from the project's own seed pages and real ClinicalTrials.gov records
and varies what differs from trial to trial (ids, dates, enrollment, sites,
criteria), injecting a known share of defects whose labels say where they are.
`pipeline.bench.records` copies the real registry records as they are, under
fresh ids, because the registry's own documents are long and their cost per
document is what loading the whole registry pays.
"""
