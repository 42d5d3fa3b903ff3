// Package soak runs tgpfs's client driver (proto.Driver) against the real
// in-process local DC (proto/localdc) under load and under injected network
// faults, and measures what happened: requests per second, failures, memory,
// goroutines left behind, and how every faulted run ended.
//
// The tests are the entry points:
//
//	go test -run TestLoad -v ./internal/soak/     # 20 clients for 10 s
//	TGPFS_LOAD_CLIENTS=200 TGPFS_LOAD_SECONDS=60 go test -run TestLoad -v -timeout 10m ./internal/soak/
//	go test -run TestFaults -v ./internal/soak/   # 60 faulted runs
//	TGPFS_FAULT_RUNS=1000 go test -run TestFaults -v -timeout 20m ./internal/soak/
//
// Both are skipped under -short.
package soak
