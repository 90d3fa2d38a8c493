#ifndef GAUSS_CMPI_SHIM_H
#define GAUSS_CMPI_SHIM_H

#include <mpi.h>

// Open MPI's predefined handles are macros over the addresses of global
// objects, which Swift cannot import; these return them instead.
static inline MPI_Comm gauss_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype gauss_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op gauss_mpi_sum(void) { return MPI_SUM; }
static inline void *gauss_mpi_in_place(void) { return MPI_IN_PLACE; }

#endif
