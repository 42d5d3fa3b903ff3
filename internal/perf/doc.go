// Package perf holds tgpfs's cross-cutting benchmarks: the ones that set one
// of our parts against gotd's equivalent in the same process, so that every
// speed claim in the README is a ratio from one run.
//
//	go test -run '^$' -bench . -benchtime 1s -count 3 ./internal/perf/
//
// Nothing here is shipped; the package has no exported API.
package perf
