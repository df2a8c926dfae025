# removal_resilience: mean accuracy drop on module removal per topology, error bars over seeds.
# Written by `roro report`; edit freely and re-run from this directory:  gnuplot removal_resilience.gp
# Data: removal_resilience.dat, one block per series (blocks separated by two blank lines; `index i` picks one).
if (!exists("output_prefix")) output_prefix = ""
set datafile missing "?"
set encoding utf8
set title "Resilience to module removal (state removal)"
set ylabel "mean accuracy drop per removal (error bars: std over seeds)"
set style fill solid 0.75 border -1
set boxwidth 0.38 absolute
set xtics ("all" 0, "gw1" 1, "none" 2) rotate by -30
set xrange [-0.6:2.6]
set yrange [0:0.20732794758959283]
set xzeroaxis
set grid ytics
set key outside right top
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
  set output output_prefix."removal_resilience.".format
  plot 'removal_resilience.dat' index 0 using 1:2:3 with boxerrorbars lc rgb "#0072B2" title "stable coupling", \
       'removal_resilience.dat' index 1 using 1:2:3 with boxerrorbars lc rgb "#D55E00" title "free coupling"
  unset output
}
