# accuracy_vs_parameters: test accuracy vs trainable parameters per topology and coupling.
# Written by `roro report`; edit freely and re-run from this directory:  gnuplot accuracy_vs_parameters.gp
# Data: accuracy_vs_parameters.dat, one block per series (blocks separated by two blank lines; `index i` picks one).
if (!exists("output_prefix")) output_prefix = ""
set datafile missing "?"
set encoding utf8
set title "Test accuracy vs trainable parameters (filled: stable coupling, open: free)"
set xlabel "trainable parameters"
set ylabel "test accuracy"
set grid
set key outside right top
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
set logscale x
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
  set output output_prefix."accuracy_vs_parameters.".format
  plot 'accuracy_vs_parameters.dat' index 0 using 1:2 with points pt 7 ps 1.5 lc rgb "#0072B2" title "all stable", \
       'accuracy_vs_parameters.dat' index 1 using 1:2 with points pt 6 ps 1.5 lc rgb "#0072B2" title "all free", \
       'accuracy_vs_parameters.dat' index 2 using 1:2 with points pt 7 ps 1.5 lc rgb "#D55E00" title "gw1 stable", \
       'accuracy_vs_parameters.dat' index 3 using 1:2 with points pt 6 ps 1.5 lc rgb "#D55E00" title "gw1 free", \
       'accuracy_vs_parameters.dat' index 4 using 1:2 with points pt 7 ps 1.5 lc rgb "#009E73" title "none stable"
  unset output
}
