/* The I/O floor of a header-only MiniSEED scan (issue #13): CPU time per file of ways to look at the first
 * 64 bytes of every 4096-byte record. Build: gcc -O2 -o reads reads.c
 * usage: ./reads LIST MODE [CHUNK] [ITERS]   (LIST: a file of paths, one a line, e.g. a demo archive's day files)
 *   0  pread CHUNK bytes at a time into one buffer (what headonly.rs does, CHUNK = 256 KiB)
 *   1  one pread of 64 bytes per record
 *   2  preadv: 64 bytes per record to a header array, the other 4032 to one small junk buffer, CHUNK records a call
 *   3  mmap, touch one byte per record (SIGBUS if the file is truncated meanwhile: not usable as is)
 *   4  mmap with MAP_POPULATE
 *   5  mmap + process_vm_readv of the 64-byte headers from our own mapping (EFAULT instead of SIGBUS), CHUNK per call
 *   6  as 5 after madvise(MADV_POPULATE_READ)
 *   7  mmap after madvise(MADV_POPULATE_READ), touch one byte per record
 * io_uring (one 64-byte IORING_OP_READ per record, 512 per submission): uring.c. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/uio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <string.h>
static double now(){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static char buf[4<<20]; static char junk[65536]; static char heads[1024*256];
int main(int argc,char**argv){
  const char*p0=argv[1]; char pp[4096]; int mode=atoi(argv[2]); size_t chunk=argc>3?atol(argv[3]):262144; int iters=argc>4?atoi(argv[4]):5;
  volatile unsigned long sum=0; int nfiles_total=0; double t0=now();
  for(int it=0;it<iters;it++){
    FILE*lf=fopen(p0,"r"); while(fgets(pp,sizeof pp,lf)){pp[strcspn(pp,"\n")]=0; nfiles_total++; int fd=open(pp,O_RDONLY); struct stat st; fstat(fd,&st); size_t size=st.st_size;
    if(mode==0){ for(size_t at=0;at<size;at+=chunk){ssize_t n=pread(fd,buf,chunk,at); for(size_t r=0;r<(size_t)n;r+=4096) sum+=buf[r+20];} }
    else if(mode==1){ for(size_t at=0;at<size;at+=4096){pread(fd,buf,64,at); sum+=buf[20];} }
    else if(mode==2){ /* preadv: 64 B header to heads, rest to junk; batch of B records */
      size_t B=chunk; struct iovec iov[1024];
      for(size_t at=0;at<size;){ size_t k=0; size_t start=at;
        for(;k<B && at<size;k++,at+=4096){ iov[2*k].iov_base=heads+64*k; iov[2*k].iov_len=64; iov[2*k+1].iov_base=junk; iov[2*k+1].iov_len=4096-64;}
        preadv(fd,iov,2*k,start); for(size_t j=0;j<k;j++) sum+=heads[64*j+20]; } }
    else if(mode==3){ char*m=mmap(0,size,PROT_READ,MAP_PRIVATE,fd,0); for(size_t at=0;at<size;at+=4096) sum+=m[at+20]; munmap(m,size);} 
    else if(mode==4){ char*m=mmap(0,size,PROT_READ,MAP_PRIVATE|MAP_POPULATE,fd,0); for(size_t at=0;at<size;at+=4096) sum+=m[at+20]; munmap(m,size);} 
    else if(mode==5){ char*m=mmap(0,size,PROT_READ,MAP_SHARED,fd,0); struct iovec loc, rem[1024]; pid_t me=getpid();
      for(size_t at=0;at<size;){ size_t k=0; size_t B=chunk; for(;k<B&&at<size;k++,at+=4096){rem[k].iov_base=m+at; rem[k].iov_len=64;}
        loc.iov_base=heads; loc.iov_len=64*k; ssize_t r=process_vm_readv(me,&loc,1,rem,k,0); if(r!=(ssize_t)(64*k)){perror("pvr");exit(1);} for(size_t j=0;j<k;j++) sum+=heads[64*j+20]; }
      munmap(m,size);} 
    else if(mode==6){ char*m=mmap(0,size,PROT_READ,MAP_SHARED,fd,0); if(madvise(m,size,22)){perror("madv");exit(1);} struct iovec loc, rem[1024]; pid_t me=getpid();
      for(size_t at=0;at<size;){ size_t k=0; size_t B=chunk; for(;k<B&&at<size;k++,at+=4096){rem[k].iov_base=m+at; rem[k].iov_len=64;}
        loc.iov_base=heads; loc.iov_len=64*k; ssize_t r=process_vm_readv(me,&loc,1,rem,k,0); if(r!=(ssize_t)(64*k)){perror("pvr");exit(1);} for(size_t j=0;j<k;j++) sum+=heads[64*j+20]; }
      munmap(m,size);} 
    else if(mode==7){ char*m=mmap(0,size,PROT_READ,MAP_SHARED,fd,0); if(madvise(m,size,22)){perror("madv");exit(1);} for(size_t at=0;at<size;at+=4096) sum+=m[at+20]; munmap(m,size);}
    close(fd);} fclose(lf);
  }
  double t=now()-t0; printf("mode %d chunk %zu: %.3f ms per file\n",mode,chunk,t/nfiles_total*1e3); return 0;}
