// Package replica holds the tests that run several Patchbay processes on
// one PostgreSQL database (build tag postgres; scripts/test.d/10-postgres.sh
// runs them): what one replica writes, every other one answers from at
// once, and background jobs run on exactly one replica at a time.
package replica
