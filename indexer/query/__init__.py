"""The query contract every engine compiles: the parsed query tree, the request and
response types, the shared text analysis and the paging limits. Below the engines
(indexer.index) and the search service (indexer.search); imports nothing above it."""
