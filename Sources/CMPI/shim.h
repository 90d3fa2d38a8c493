#ifndef GAUSS_CMPI_SHIM_H
#define GAUSS_CMPI_SHIM_H

#include <mpi.h>

// Open MPI's predefined handles are macros over the addresses of global
// objects, which Swift cannot import; these return them instead.
static inline MPI_Comm gauss_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype gauss_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op gauss_mpi_sum(void) { return MPI_SUM; }
static inline void *gauss_mpi_in_place(void) { return MPI_IN_PLACE; }

// The number of processes of MPI_COMM_WORLD on this machine (those that can
// share memory with this one), or 1 if MPI cannot tell. Collective.
static inline int gauss_mpi_processes_on_this_machine(void) {
    MPI_Comm local;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local) != MPI_SUCCESS) return 1;
    int size = 1;
    MPI_Comm_size(local, &size);
    MPI_Comm_free(&local);
    return size > 0 ? size : 1;
}

#endif
