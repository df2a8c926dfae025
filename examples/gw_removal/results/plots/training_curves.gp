# training_curves: train loss and accuracy vs step, every run.
# Written by `roro report`; edit freely and re-run from this directory:  gnuplot training_curves.gp
# Data: training_curves.dat, one block per series (blocks separated by two blank lines; `index i` picks one).
if (!exists("output_prefix")) output_prefix = ""
set datafile missing "?"
set encoding utf8
set xlabel "training step"
set grid
set key outside right top
do for [format in "png svg"] {
  if (format eq "png") {
    if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
      set terminal pngcairo size 1000,900 noenhanced font ",10"
    } else {
      set terminal png size 1000,900 noenhanced
    }
  } else {
    set terminal svg size 1000,900 noenhanced font ",10" background "white"
  }
  set output output_prefix."training_curves.".format
  set multiplot layout 2,1 title "Training curves (one colour per topology; dashed: free coupling)"
  set ylabel "train loss"
  plot 'training_curves.dat' index 0 using 1:2 with lines lc rgb "#0072B2" dt 2 title "all (free)", \
       'training_curves.dat' index 1 using 1:2 with lines lc rgb "#0072B2" dt 2 notitle, \
       'training_curves.dat' index 2 using 1:2 with lines lc rgb "#0072B2" dt 2 notitle, \
       'training_curves.dat' index 3 using 1:2 with lines lc rgb "#0072B2" dt 1 title "all", \
       'training_curves.dat' index 4 using 1:2 with lines lc rgb "#0072B2" dt 1 notitle, \
       'training_curves.dat' index 5 using 1:2 with lines lc rgb "#0072B2" dt 1 notitle, \
       'training_curves.dat' index 6 using 1:2 with lines lc rgb "#D55E00" dt 2 title "gw1 (free)", \
       'training_curves.dat' index 7 using 1:2 with lines lc rgb "#D55E00" dt 2 notitle, \
       'training_curves.dat' index 8 using 1:2 with lines lc rgb "#D55E00" dt 2 notitle, \
       'training_curves.dat' index 9 using 1:2 with lines lc rgb "#D55E00" dt 1 title "gw1", \
       'training_curves.dat' index 10 using 1:2 with lines lc rgb "#D55E00" dt 1 notitle, \
       'training_curves.dat' index 11 using 1:2 with lines lc rgb "#D55E00" dt 1 notitle, \
       'training_curves.dat' index 12 using 1:2 with lines lc rgb "#009E73" dt 1 title "none", \
       'training_curves.dat' index 13 using 1:2 with lines lc rgb "#009E73" dt 1 notitle, \
       'training_curves.dat' index 14 using 1:2 with lines lc rgb "#009E73" dt 1 notitle
  set ylabel "train accuracy"
  plot 'training_curves.dat' index 0 using 1:3 with lines lc rgb "#0072B2" dt 2 title "all (free)", \
       'training_curves.dat' index 1 using 1:3 with lines lc rgb "#0072B2" dt 2 notitle, \
       'training_curves.dat' index 2 using 1:3 with lines lc rgb "#0072B2" dt 2 notitle, \
       'training_curves.dat' index 3 using 1:3 with lines lc rgb "#0072B2" dt 1 title "all", \
       'training_curves.dat' index 4 using 1:3 with lines lc rgb "#0072B2" dt 1 notitle, \
       'training_curves.dat' index 5 using 1:3 with lines lc rgb "#0072B2" dt 1 notitle, \
       'training_curves.dat' index 6 using 1:3 with lines lc rgb "#D55E00" dt 2 title "gw1 (free)", \
       'training_curves.dat' index 7 using 1:3 with lines lc rgb "#D55E00" dt 2 notitle, \
       'training_curves.dat' index 8 using 1:3 with lines lc rgb "#D55E00" dt 2 notitle, \
       'training_curves.dat' index 9 using 1:3 with lines lc rgb "#D55E00" dt 1 title "gw1", \
       'training_curves.dat' index 10 using 1:3 with lines lc rgb "#D55E00" dt 1 notitle, \
       'training_curves.dat' index 11 using 1:3 with lines lc rgb "#D55E00" dt 1 notitle, \
       'training_curves.dat' index 12 using 1:3 with lines lc rgb "#009E73" dt 1 title "none", \
       'training_curves.dat' index 13 using 1:3 with lines lc rgb "#009E73" dt 1 notitle, \
       'training_curves.dat' index 14 using 1:3 with lines lc rgb "#009E73" dt 1 notitle
  unset multiplot
  unset output
}
