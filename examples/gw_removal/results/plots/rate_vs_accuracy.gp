# rate_vs_accuracy: certificate rate vs test accuracy, point type by verdict.
# Written by `roro report`; edit freely and re-run from this directory:  gnuplot rate_vs_accuracy.gp
# Data: rate_vs_accuracy.dat, one block per series (blocks separated by two blank lines; `index i` picks one).
if (!exists("output_prefix")) output_prefix = ""
set datafile missing "?"
set encoding utf8
set title "Proven contraction rate vs test accuracy (rate 0: no certificate)"
set xlabel "test accuracy"
set ylabel "certified contraction rate"
set grid
set key outside right top
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
do for [format in "png svg"] {
  if (format eq "png") {
    if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
      set terminal pngcairo size 1000,650 noenhanced font ",10"
    } else {
      set terminal png size 1000,650 noenhanced
    }
  } else {
    set terminal svg size 1000,650 noenhanced font ",10" background "white"
  }
  set output output_prefix."rate_vs_accuracy.".format
  plot 'rate_vs_accuracy.dat' index 0 using 1:2 with points pt 7 ps 1.5 lc rgb "#009E73" title "certified", \
       'rate_vs_accuracy.dat' index 1 using 1:2 with points pt 2 ps 1.5 lc rgb "#D55E00" title "refuted"
  unset output
}
