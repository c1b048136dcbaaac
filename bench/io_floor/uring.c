/* One 64-byte IORING_OP_READ per 4096-byte record, B per io_uring_enter (see reads.c). Build: gcc -O2 -o uring uring.c; usage: ./uring LIST [B] */
#define _GNU_SOURCE
#include <linux/io_uring.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <stdatomic.h>
static double now(){struct timespec t;clock_gettime(CLOCK_PROCESS_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define QD 1024
static char heads[QD*64];
int main(int argc,char**argv){
  struct io_uring_params p; memset(&p,0,sizeof p);
  int ring=syscall(__NR_io_uring_setup,QD,&p); if(ring<0){perror("setup");return 1;}
  size_t sqsz=p.sq_off.array+p.sq_entries*4, cqsz=p.cq_off.cqes+p.cq_entries*sizeof(struct io_uring_cqe);
  char*sq=mmap(0,sqsz,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_POPULATE,ring,IORING_OFF_SQ_RING);
  char*cq=mmap(0,cqsz,PROT_READ|PROT_WRITE,MAP_SHARED|MAP_POPULATE,ring,IORING_OFF_CQ_RING);
  struct io_uring_sqe*sqes=mmap(0,p.sq_entries*sizeof(struct io_uring_sqe),PROT_READ|PROT_WRITE,MAP_SHARED|MAP_POPULATE,ring,IORING_OFF_SQES);
  unsigned*stail=(unsigned*)(sq+p.sq_off.tail),*smask=(unsigned*)(sq+p.sq_off.ring_mask),*sarr=(unsigned*)(sq+p.sq_off.array);
  unsigned*chead=(unsigned*)(cq+p.cq_off.head),*ctail=(unsigned*)(cq+p.cq_off.tail),*cmask=(unsigned*)(cq+p.cq_off.ring_mask);
  struct io_uring_cqe*cqes=(struct io_uring_cqe*)(cq+p.cq_off.cqes);
  int B=argc>2?atoi(argv[2]):512;
  char pp[4096]; volatile unsigned long sum=0; int iters=5; double t0=now(); int nf=0;
  for(int it=0;it<iters;it++){ FILE*lf=fopen(argv[1],"r"); while(fgets(pp,sizeof pp,lf)){pp[strcspn(pp,"\n")]=0; nf++;
    int fd=open(pp,O_RDONLY); struct stat st; fstat(fd,&st); size_t size=st.st_size;
    for(size_t at=0;at<size;){ unsigned tail=*stail; int k=0;
      for(;k<B&&at<size;k++,at+=4096){ unsigned i=(tail+k)&*smask; struct io_uring_sqe*s=&sqes[i]; memset(s,0,sizeof *s);
        s->opcode=IORING_OP_READ; s->fd=fd; s->addr=(unsigned long)(heads+64*k); s->len=64; s->off=at; s->user_data=k; sarr[i]=i; }
      atomic_store_explicit((_Atomic unsigned*)stail,tail+k,memory_order_release);
      int r=syscall(__NR_io_uring_enter,ring,k,k,IORING_ENTER_GETEVENTS,NULL,0); if(r<0){perror("enter");return 1;}
      unsigned h=*chead; unsigned t=atomic_load_explicit((_Atomic unsigned*)ctail,memory_order_acquire); 
      for(;h!=t;h++){ if(cqes[h&*cmask].res!=64){fprintf(stderr,"res %d\n",cqes[h&*cmask].res);} }
      atomic_store_explicit((_Atomic unsigned*)chead,h,memory_order_release);
      for(int j=0;j<k;j++) sum+=heads[64*j+20]; }
    close(fd);} fclose(lf);}
  printf("io_uring B=%d: %.3f ms per file\n",B,(now()-t0)/nf*1e3);}
