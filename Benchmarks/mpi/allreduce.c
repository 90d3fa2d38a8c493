// The cost of the one allreduce distributed EM makes per iteration, alone:
// MPI_Allreduce (MPI_SUM, in place) of N doubles, each call preceded by a
// barrier so that no process's wait for a slower one is counted.
//
//   mpicc -O2 Benchmarks/mpi/allreduce.c -o allreduce
//   mpirun -np 2 ./allreduce 528418        # K = 32, d = 128, full covariance
//
// Prints the median and minimum over the repetitions, in milliseconds.
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    long count = argc > 1 ? atol(argv[1]) : 528418;
    int repetitions = argc > 2 ? atoi(argv[2]) : 50;
    double *buffer = malloc(sizeof(double) * (size_t)count);
    double *times = malloc(sizeof(double) * (size_t)repetitions);
    for (long i = 0; i < count; i++) buffer[i] = (double)(i % 97) * 1e-3;
    for (int r = -5; r < repetitions; r++) {  // five warm-up calls
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, buffer, (int)count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        double elapsed = MPI_Wtime() - start;
        if (r >= 0) times[r] = elapsed;
        for (long i = 0; i < count; i++) buffer[i] /= size;  // keep the values bounded
    }
    qsort(times, (size_t)repetitions, sizeof(double), compare);
    if (rank == 0)
        printf("%d processes, %ld doubles (%.2f MB): median %.3f ms, min %.3f ms\n", size, count,
               count * 8e-6, times[repetitions / 2] * 1e3, times[0] * 1e3);
    free(buffer);
    free(times);
    MPI_Finalize();
    return 0;
}
